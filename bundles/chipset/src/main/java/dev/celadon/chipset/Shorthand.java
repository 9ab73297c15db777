package dev.celadon.chipset;

/** ICR destination shorthand, bits 19:18 (SDM 10.6.1). */
public enum Shorthand {
    NONE, SELF, ALL_INCLUDING_SELF, ALL_EXCLUDING_SELF;

    static Shorthand of(int bits) {
        return values()[bits & 3];
    }
}
