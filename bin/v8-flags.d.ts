/** Types of bin/v8-flags.js (plain JavaScript: the launcher reads it before TypeScript is registered). */
export declare function helperThreads(cores: number): number;
export declare const COMMAND_V8_FLAGS: Readonly<Record<string, (cores: number) => ReadonlyArray<readonly string[]>>>;
export declare function v8FlagsToAdd(args: readonly string[], execArgv: readonly string[], cores?: number): string[];
