package dev.celadon.hypervisor.api;

/** The segment registers (and the two system ones) of a virtual processor. */
public enum Segment {
    ES, CS, SS, DS, FS, GS, TR, LDTR
}
