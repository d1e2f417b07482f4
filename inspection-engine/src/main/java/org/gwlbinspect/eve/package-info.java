/**
 * Output stage: the EVE alert and flow (netflow) logs in NFW's envelope (policy.md §4).
 *
 * <p>Contract: each producer thread registers once with {@link org.gwlbinspect.eve.EveLog#registerProducer} and then
 * fills preallocated {@link org.gwlbinspect.eve.EveRecord}s through its own single-producer ring ({@code claim()},
 * setters, {@code publish()}): no allocation, lock or blocking on the data path, and a full ring drops the record and
 * counts it. Byte fields are copied at enqueue with fixed bounds; strings are the compiled policy's immutable ones. One
 * writer thread serialises records with one reused Jackson generator per log (no allocation per record) and appends
 * them to size-rotated files, flushing at least every 100 ms; write errors are counted and logged rate-limited.
 */
package org.gwlbinspect.eve;
