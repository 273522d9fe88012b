{
  'targets': [
    {
      'target_name': 'netsentinel_pcap',
      'sources': [
        'src/binding.cc',
      ],
      'include_dirs': [
        "<!(node -e \"require('nan')\")",
      ],
      'conditions': [
        [ 'OS=="win"', {
          # Npcap SDK: set NPCAP_SDK to its folder (Include/, Lib/x64/).
          'include_dirs': [
            '<!(node -p "process.env.NPCAP_SDK || \'C:/npcap-sdk\'")/Include',
          ],
          'defines': [
            'WPCAP',
          ],
          'link_settings': {
            'libraries': ['ws2_32.lib', '<!(node -p "process.env.NPCAP_SDK || \'C:/npcap-sdk\'")/Lib/x64/wpcap.lib'],
          },
        }, {
          # POSIX
          'link_settings': {
            'libraries': ['-lpcap'],
          },
        }],
      ],
    },
  ],
}
