/**
 * A build's report in words the front ends share (the CLI's stdout, Maven's log): the line for
 * each layer as it is done at the target, and the summary. Nothing here names a flag or a
 * parameter; those words stay with each front end.
 */
package dev.relpack.report;
