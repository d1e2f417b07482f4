/**
 * {@code appliance.jar replay}: feeds the packets of a pcap or pcapng capture through the appliance's own inspection
 * pipeline, in process and single-threaded, with the capture's timestamps as the clock ({@link ReplayPipeline}), or
 * sends them wrapped in GWLB's GENEVE header to a running appliance ({@link TargetReplay}).
 *
 * <p>A frame is unwrapped from its link layer ({@link LinkFrame}: Ethernet with VLAN tags, Linux cooked capture v1
 * and v2, raw IP, BSD loopback) and its IP packet wrapped in the 40-byte header GWLB sends ({@link GwlbEncapsulator},
 * gwlb.md §1); frames that already are GENEVE datagrams to UDP 6081 are fed as they are. Frames that carry no IP
 * packet are skipped, each with a reason; a capture file that cannot be read stops the replay with the index of the
 * packet that broke it ({@link CaptureException}).
 */
package org.gwlbinspect.appliance.replay;
