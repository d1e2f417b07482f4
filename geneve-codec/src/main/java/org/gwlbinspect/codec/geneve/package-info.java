/**
 * The GENEVE header as GWLB sends it (RFC 8926 §3; AWS option class 0x0108): {@link
 * org.gwlbinspect.codec.geneve.GeneveHeader} decodes it with a bounds-checked TLV walk, {@link
 * org.gwlbinspect.codec.geneve.GeneveHeaders} writes one (tests and the simulator, not the data path).
 */
package org.gwlbinspect.codec.geneve;
