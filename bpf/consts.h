/* SPDX-License-Identifier: GPL-2.0 */
/* Protocol numbers vmlinux.h does not carry (they are macros in the uapi headers). */
#ifndef WLBS_BPF_CONSTS_H
#define WLBS_BPF_CONSTS_H

#define ETH_ALEN     6
#define ETH_P_IP     0x0800 /* IPv4 */
#define ETH_P_ARP    0x0806 /* ARP */
#define ETH_P_IPV6   0x86DD /* IPv6 */
#define ETH_P_8021Q  0x8100 /* VLAN tag */
#define ETH_P_8021AD 0x88A8 /* QinQ outer tag */

#define IP_MF	  0x2000 /* IPv4 more fragments */
#define IP_OFFSET 0x1FFF /* IPv4 fragment offset mask */

#define NEXTHDR_HOP	  0  /* IPv6 hop-by-hop options */
#define NEXTHDR_ROUTING	  43 /* IPv6 routing header */
#define NEXTHDR_FRAGMENT  44 /* IPv6 fragment header */
#define NEXTHDR_AUTH	  51 /* IPsec AH */
#define NEXTHDR_DEST	  60 /* IPv6 destination options */
#define NEXTHDR_ICMPV6	  58 /* ICMPv6 */
#define IPV6_MAX_EXT_HDRS 6  /* extension headers walked before giving up */

#define ARPHRD_ETHER  1 /* ARP hardware type Ethernet */
#define ARPOP_REQUEST 1
#define ARPOP_REPLY   2

#define ICMP_DEST_UNREACH	      3 /* ICMPv4 errors that quote a packet */
#define ICMP_SOURCE_QUENCH	      4
#define ICMP_TIME_EXCEEDED	      11
#define ICMP_PARAMETERPROB	      12
#define ICMPV6_ERR_MAX		      4 /* ICMPv6 types 1..4 are errors */
#define NDISC_NEIGHBOUR_SOLICITATION  135
#define NDISC_NEIGHBOUR_ADVERTISEMENT 136
#define ND_OPT_TARGET_LL_ADDR	      2

#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10

#define AF_INET	    2  /* socket family IPv4 */
#define AF_INET6    10 /* socket family IPv6 */
#define PACKET_HOST 0  /* skb->pkt_type: to us */
#define TC_ACT_OK   0

#endif
