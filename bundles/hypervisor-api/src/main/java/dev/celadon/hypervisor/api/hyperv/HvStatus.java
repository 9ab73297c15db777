package dev.celadon.hypervisor.api.hyperv;

/**
 * TLFS hypercall status codes (HV_STATUS_*), the low 16 bits of the hypercall result in RAX. Values as in the
 * TLFS (and Linux's include/asm-generic/hyperv-tlfs.h, which guests compare against).
 */
public final class HvStatus {
    public static final int SUCCESS = 0x0;
    public static final int INVALID_HYPERCALL_CODE = 0x2;
    public static final int INVALID_HYPERCALL_INPUT = 0x3;
    public static final int INVALID_ALIGNMENT = 0x4;
    public static final int INVALID_PARAMETER = 0x5;
    public static final int ACCESS_DENIED = 0x6;
    public static final int INVALID_PARTITION_STATE = 0x7;
    public static final int OPERATION_DENIED = 0x8;
    public static final int INSUFFICIENT_MEMORY = 0xB;
    public static final int INVALID_CONNECTION_ID = 0x12;
    public static final int INSUFFICIENT_BUFFERS = 0x13;

    private HvStatus() {
    }

    /** The TLFS name of a status code, for logs and shell output ("HV_STATUS_0x..." for others). */
    public static String name(int status) {
        return switch (status) {
            case SUCCESS -> "HV_STATUS_SUCCESS";
            case INVALID_HYPERCALL_CODE -> "HV_STATUS_INVALID_HYPERCALL_CODE";
            case INVALID_HYPERCALL_INPUT -> "HV_STATUS_INVALID_HYPERCALL_INPUT";
            case INVALID_ALIGNMENT -> "HV_STATUS_INVALID_ALIGNMENT";
            case INVALID_PARAMETER -> "HV_STATUS_INVALID_PARAMETER";
            case ACCESS_DENIED -> "HV_STATUS_ACCESS_DENIED";
            case INVALID_PARTITION_STATE -> "HV_STATUS_INVALID_PARTITION_STATE";
            case OPERATION_DENIED -> "HV_STATUS_OPERATION_DENIED";
            case INSUFFICIENT_MEMORY -> "HV_STATUS_INSUFFICIENT_MEMORY";
            case INVALID_CONNECTION_ID -> "HV_STATUS_INVALID_CONNECTION_ID";
            case INSUFFICIENT_BUFFERS -> "HV_STATUS_INSUFFICIENT_BUFFERS";
            default -> String.format("HV_STATUS_0x%x", status);
        };
    }
}
