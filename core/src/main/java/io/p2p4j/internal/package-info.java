/**
 * Small pieces the other packages share that are not part of the public API (the module does not
 * export them; they may change without notice): the atomic file write behind node_key.json and
 * addrbook.json. Depends on nothing else of p2p4j.
 */
package io.p2p4j.internal;
