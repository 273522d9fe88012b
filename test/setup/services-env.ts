// For tests that start a child process (a CLI command, a service) against the test services:
//   spawn('node', ['bin/netsentinel.js', ...], { env: { ...process.env, ...servicesEnv(inject('services')) } })
export { servicesEnv, SERVICES_ENV, type TestServices } from './services/addresses.ts';
