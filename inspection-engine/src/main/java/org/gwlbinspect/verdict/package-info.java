/**
 * The verdict stage: what the inspector decided for a packet ({@link org.gwlbinspect.verdict.Verdict}) and why a
 * packet was not returned ({@link org.gwlbinspect.verdict.DropReason}, one stable label per reason).
 */
package org.gwlbinspect.verdict;
