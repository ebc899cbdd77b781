export * from './decoded.js';
export * from './enums.js';
export { decodePacket, resetDecoded, decodeRawIP, decodeNull } from './decode_packet.js';
export { decodeEthernet, decodeEtherType, decodeArp, MAX_VLAN_TAGS } from './ethernet.js';
export { decodeLinuxSll, decodeLinuxSll2 } from './linux_sll.js';
export { decodeIPv4 } from './ipv4.js';
export { decodeIPv6 } from './ipv6.js';
export { decodeTransport, decodeTcp, decodeUdp, decodeIcmp, isIcmpError } from './transport.js';
export { formatAddress, formatIPv4, isIPv4Text, isIPv6Text, parseAddressWords, parseIPv4 } from '../ip_text.js';
