/*
 * pins.c — names of the alternate functions of every GPIO, and the 40-pin header.
 *
 * Pure data: three `static const` name tables, one per register layout, and the header
 * table. Nothing here allocates or touches hardware.
 *
 * Naming: each entry is the signal name the layout's datasheet prints in its table. Where
 * the datasheet writes one cell as two names joined by " / " or a space (the SMI controls
 * "SOE_N / SE", the BSC slave "BSCSL SDA / MOSI", ...), the parts are joined with '_'
 * ("SOE_N_SE", "BSCSL_SDA_MOSI", "BSCSL_CE_N"). RP1 names keep the datasheet's bracketed
 * index ("SPI0_CSn[0]", "PWM0[2]", "GPCLK[0]"), except a5, which is "SYS_RIO0" (the bank-0
 * registered-IO block, software GPIO) on every pin.
 *
 * NULL means the datasheet prints "<reserved>", "<Internal>" or nothing in that cell.
 */
#include "strobe_pins.h"

#include <stddef.h>

/* ------------------------------------------------------------------------------------------ */
/* Alternate functions                                                                        */
/* ------------------------------------------------------------------------------------------ */

#define STROBE_BCM_ALT_COUNT 6u /* ALT0..ALT5 */
#define STROBE_RP1_ALT_COUNT 9u /* a0..a8 ([RP1] 3.1.1) */

/*
 * BCM2835 / BCM2836 / BCM2837: "BCM2835 ARM Peripherals" (Broadcom, 2012), section 6.2
 * "Alternative Function Assignments", table 6-31. Rows are GPIO 0-53, columns ALT0-ALT5.
 * The datasheet marks ALT2 of GPIO 0-27 "<reserved>" and GPIO 46-53 "<Internal>": NULL here.
 */
static const char *const bcm2835_alt[54][STROBE_BCM_ALT_COUNT] = {
    /*         ALT0          ALT1           ALT2        ALT3              ALT4          ALT5 */
    /*  0 */ { "SDA0",       "SA5",         NULL,       NULL,             NULL,         NULL       },
    /*  1 */ { "SCL0",       "SA4",         NULL,       NULL,             NULL,         NULL       },
    /*  2 */ { "SDA1",       "SA3",         NULL,       NULL,             NULL,         NULL       },
    /*  3 */ { "SCL1",       "SA2",         NULL,       NULL,             NULL,         NULL       },
    /*  4 */ { "GPCLK0",     "SA1",         NULL,       NULL,             NULL,         "ARM_TDI"  },
    /*  5 */ { "GPCLK1",     "SA0",         NULL,       NULL,             NULL,         "ARM_TDO"  },
    /*  6 */ { "GPCLK2",     "SOE_N_SE",    NULL,       NULL,             NULL,         "ARM_RTCK" },
    /*  7 */ { "SPI0_CE1_N", "SWE_N_SRW_N", NULL,       NULL,             NULL,         NULL       },
    /*  8 */ { "SPI0_CE0_N", "SD0",         NULL,       NULL,             NULL,         NULL       },
    /*  9 */ { "SPI0_MISO",  "SD1",         NULL,       NULL,             NULL,         NULL       },
    /* 10 */ { "SPI0_MOSI",  "SD2",         NULL,       NULL,             NULL,         NULL       },
    /* 11 */ { "SPI0_SCLK",  "SD3",         NULL,       NULL,             NULL,         NULL       },
    /* 12 */ { "PWM0",       "SD4",         NULL,       NULL,             NULL,         "ARM_TMS"  },
    /* 13 */ { "PWM1",       "SD5",         NULL,       NULL,             NULL,         "ARM_TCK"  },
    /* 14 */ { "TXD0",       "SD6",         NULL,       NULL,             NULL,         "TXD1"     },
    /* 15 */ { "RXD0",       "SD7",         NULL,       NULL,             NULL,         "RXD1"     },
    /* 16 */ { NULL,         "SD8",         NULL,       "CTS0",           "SPI1_CE2_N", "CTS1"     },
    /* 17 */ { NULL,         "SD9",         NULL,       "RTS0",           "SPI1_CE1_N", "RTS1"     },
    /* 18 */ { "PCM_CLK",    "SD10",        NULL,       "BSCSL_SDA_MOSI", "SPI1_CE0_N", "PWM0"     },
    /* 19 */ { "PCM_FS",     "SD11",        NULL,       "BSCSL_SCL_SCLK", "SPI1_MISO",  "PWM1"     },
    /* 20 */ { "PCM_DIN",    "SD12",        NULL,       "BSCSL_MISO",     "SPI1_MOSI",  "GPCLK0"   },
    /* 21 */ { "PCM_DOUT",   "SD13",        NULL,       "BSCSL_CE_N",     "SPI1_SCLK",  "GPCLK1"   },
    /* 22 */ { NULL,         "SD14",        NULL,       "SD1_CLK",        "ARM_TRST",   NULL       },
    /* 23 */ { NULL,         "SD15",        NULL,       "SD1_CMD",        "ARM_RTCK",   NULL       },
    /* 24 */ { NULL,         "SD16",        NULL,       "SD1_DAT0",       "ARM_TDO",    NULL       },
    /* 25 */ { NULL,         "SD17",        NULL,       "SD1_DAT1",       "ARM_TCK",    NULL       },
    /* 26 */ { NULL,         NULL,          NULL,       "SD1_DAT2",       "ARM_TDI",    NULL       },
    /* 27 */ { NULL,         NULL,          NULL,       "SD1_DAT3",       "ARM_TMS",    NULL       },
    /* 28 */ { "SDA0",       "SA5",         "PCM_CLK",  NULL,             NULL,         NULL       },
    /* 29 */ { "SCL0",       "SA4",         "PCM_FS",   NULL,             NULL,         NULL       },
    /* 30 */ { NULL,         "SA3",         "PCM_DIN",  "CTS0",           NULL,         "CTS1"     },
    /* 31 */ { NULL,         "SA2",         "PCM_DOUT", "RTS0",           NULL,         "RTS1"     },
    /* 32 */ { "GPCLK0",     "SA1",         NULL,       "TXD0",           NULL,         "TXD1"     },
    /* 33 */ { NULL,         "SA0",         NULL,       "RXD0",           NULL,         "RXD1"     },
    /* 34 */ { "GPCLK0",     "SOE_N_SE",    NULL,       NULL,             NULL,         NULL       },
    /* 35 */ { "SPI0_CE1_N", "SWE_N_SRW_N", NULL,       NULL,             NULL,         NULL       },
    /* 36 */ { "SPI0_CE0_N", "SD0",         "TXD0",     NULL,             NULL,         NULL       },
    /* 37 */ { "SPI0_MISO",  "SD1",         "RXD0",     NULL,             NULL,         NULL       },
    /* 38 */ { "SPI0_MOSI",  "SD2",         "RTS0",     NULL,             NULL,         NULL       },
    /* 39 */ { "SPI0_SCLK",  "SD3",         "CTS0",     NULL,             NULL,         NULL       },
    /* 40 */ { "PWM0",       "SD4",         NULL,       NULL,             "SPI2_MISO",  "TXD1"     },
    /* 41 */ { "PWM1",       "SD5",         NULL,       NULL,             "SPI2_MOSI",  "RXD1"     },
    /* 42 */ { "GPCLK1",     "SD6",         NULL,       NULL,             "SPI2_SCLK",  "RTS1"     },
    /* 43 */ { "GPCLK2",     "SD7",         NULL,       NULL,             "SPI2_CE0_N", "CTS1"     },
    /* 44 */ { "GPCLK1",     "SDA0",        "SDA1",     NULL,             "SPI2_CE1_N", NULL       },
    /* 45 */ { "PWM1",       "SCL0",        "SCL1",     NULL,             "SPI2_CE2_N", NULL       },
    /* 46 */ { NULL,         NULL,          NULL,       NULL,             NULL,         NULL       },
    /* 47 */ { NULL,         NULL,          NULL,       NULL,             NULL,         NULL       },
    /* 48 */ { NULL,         NULL,          NULL,       NULL,             NULL,         NULL       },
    /* 49 */ { NULL,         NULL,          NULL,       NULL,             NULL,         NULL       },
    /* 50 */ { NULL,         NULL,          NULL,       NULL,             NULL,         NULL       },
    /* 51 */ { NULL,         NULL,          NULL,       NULL,             NULL,         NULL       },
    /* 52 */ { NULL,         NULL,          NULL,       NULL,             NULL,         NULL       },
    /* 53 */ { NULL,         NULL,          NULL,       NULL,             NULL,         NULL       },
};

/*
 * BCM2711: "BCM2711 ARM Peripherals" (Raspberry Pi Ltd, 2020), section 5.3 "Alternative
 * Function Assignments" (the table on pp. 77-79). Rows are GPIO 0-57, columns ALT0-ALT5.
 * The datasheet marks GPIO 46-57 "<Internal>": NULL here.
 */
static const char *const bcm2711_alt[58][STROBE_BCM_ALT_COUNT] = {
    /*         ALT0          ALT1           ALT2         ALT3              ALT4                ALT5 */
    /*  0 */ { "SDA0",       "SA5",         "PCLK",      "SPI3_CE0_N",     "TXD2",             "SDA6"         },
    /*  1 */ { "SCL0",       "SA4",         "DE",        "SPI3_MISO",      "RXD2",             "SCL6"         },
    /*  2 */ { "SDA1",       "SA3",         "LCD_VSYNC", "SPI3_MOSI",      "CTS2",             "SDA3"         },
    /*  3 */ { "SCL1",       "SA2",         "LCD_HSYNC", "SPI3_SCLK",      "RTS2",             "SCL3"         },
    /*  4 */ { "GPCLK0",     "SA1",         "DPI_D0",    "SPI4_CE0_N",     "TXD3",             "SDA3"         },
    /*  5 */ { "GPCLK1",     "SA0",         "DPI_D1",    "SPI4_MISO",      "RXD3",             "SCL3"         },
    /*  6 */ { "GPCLK2",     "SOE_N_SE",    "DPI_D2",    "SPI4_MOSI",      "CTS3",             "SDA4"         },
    /*  7 */ { "SPI0_CE1_N", "SWE_N_SRW_N", "DPI_D3",    "SPI4_SCLK",      "RTS3",             "SCL4"         },
    /*  8 */ { "SPI0_CE0_N", "SD0",         "DPI_D4",    "BSCSL_CE_N",     "TXD4",             "SDA4"         },
    /*  9 */ { "SPI0_MISO",  "SD1",         "DPI_D5",    "BSCSL_MISO",     "RXD4",             "SCL4"         },
    /* 10 */ { "SPI0_MOSI",  "SD2",         "DPI_D6",    "BSCSL_SDA_MOSI", "CTS4",             "SDA5"         },
    /* 11 */ { "SPI0_SCLK",  "SD3",         "DPI_D7",    "BSCSL_SCL_SCLK", "RTS4",             "SCL5"         },
    /* 12 */ { "PWM0_0",     "SD4",         "DPI_D8",    "SPI5_CE0_N",     "TXD5",             "SDA5"         },
    /* 13 */ { "PWM0_1",     "SD5",         "DPI_D9",    "SPI5_MISO",      "RXD5",             "SCL5"         },
    /* 14 */ { "TXD0",       "SD6",         "DPI_D10",   "SPI5_MOSI",      "CTS5",             "TXD1"         },
    /* 15 */ { "RXD0",       "SD7",         "DPI_D11",   "SPI5_SCLK",      "RTS5",             "RXD1"         },
    /* 16 */ { NULL,         "SD8",         "DPI_D12",   "CTS0",           "SPI1_CE2_N",       "CTS1"         },
    /* 17 */ { NULL,         "SD9",         "DPI_D13",   "RTS0",           "SPI1_CE1_N",       "RTS1"         },
    /* 18 */ { "PCM_CLK",    "SD10",        "DPI_D14",   "SPI6_CE0_N",     "SPI1_CE0_N",       "PWM0_0"       },
    /* 19 */ { "PCM_FS",     "SD11",        "DPI_D15",   "SPI6_MISO",      "SPI1_MISO",        "PWM0_1"       },
    /* 20 */ { "PCM_DIN",    "SD12",        "DPI_D16",   "SPI6_MOSI",      "SPI1_MOSI",        "GPCLK0"       },
    /* 21 */ { "PCM_DOUT",   "SD13",        "DPI_D17",   "SPI6_SCLK",      "SPI1_SCLK",        "GPCLK1"       },
    /* 22 */ { "SD0_CLK",    "SD14",        "DPI_D18",   "SD1_CLK",        "ARM_TRST",         "SDA6"         },
    /* 23 */ { "SD0_CMD",    "SD15",        "DPI_D19",   "SD1_CMD",        "ARM_RTCK",         "SCL6"         },
    /* 24 */ { "SD0_DAT0",   "SD16",        "DPI_D20",   "SD1_DAT0",       "ARM_TDO",          "SPI3_CE1_N"   },
    /* 25 */ { "SD0_DAT1",   "SD17",        "DPI_D21",   "SD1_DAT1",       "ARM_TCK",          "SPI4_CE1_N"   },
    /* 26 */ { "SD0_DAT2",   NULL,          "DPI_D22",   "SD1_DAT2",       "ARM_TDI",          "SPI5_CE1_N"   },
    /* 27 */ { "SD0_DAT3",   NULL,          "DPI_D23",   "SD1_DAT3",       "ARM_TMS",          "SPI6_CE1_N"   },
    /* 28 */ { "SDA0",       "SA5",         "PCM_CLK",   NULL,             "MII_A_RX_ERR",     "RGMII_MDIO"   },
    /* 29 */ { "SCL0",       "SA4",         "PCM_FS",    NULL,             "MII_A_TX_ERR",     "RGMII_MDC"    },
    /* 30 */ { NULL,         "SA3",         "PCM_DIN",   "CTS0",           "MII_A_CRS",        "CTS1"         },
    /* 31 */ { NULL,         "SA2",         "PCM_DOUT",  "RTS0",           "MII_A_COL",        "RTS1"         },
    /* 32 */ { "GPCLK0",     "SA1",         NULL,        "TXD0",           "SD_CARD_PRES",     "TXD1"         },
    /* 33 */ { NULL,         "SA0",         NULL,        "RXD0",           "SD_CARD_WRPROT",   "RXD1"         },
    /* 34 */ { "GPCLK0",     "SOE_N_SE",    NULL,        "SD1_CLK",        "SD_CARD_LED",      "RGMII_IRQ"    },
    /* 35 */ { "SPI0_CE1_N", "SWE_N_SRW_N", NULL,        "SD1_CMD",        "RGMII_START_STOP", NULL           },
    /* 36 */ { "SPI0_CE0_N", "SD0",         "TXD0",      "SD1_DAT0",       "RGMII_RX_OK",      "MII_A_RX_ERR" },
    /* 37 */ { "SPI0_MISO",  "SD1",         "RXD0",      "SD1_DAT1",       "RGMII_MDIO",       "MII_A_TX_ERR" },
    /* 38 */ { "SPI0_MOSI",  "SD2",         "RTS0",      "SD1_DAT2",       "RGMII_MDC",        "MII_A_CRS"    },
    /* 39 */ { "SPI0_SCLK",  "SD3",         "CTS0",      "SD1_DAT3",       "RGMII_IRQ",        "MII_A_COL"    },
    /* 40 */ { "PWM1_0",     "SD4",         NULL,        "SD1_DAT4",       "SPI0_MISO",        "TXD1"         },
    /* 41 */ { "PWM1_1",     "SD5",         NULL,        "SD1_DAT5",       "SPI0_MOSI",        "RXD1"         },
    /* 42 */ { "GPCLK1",     "SD6",         NULL,        "SD1_DAT6",       "SPI0_SCLK",        "RTS1"         },
    /* 43 */ { "GPCLK2",     "SD7",         NULL,        "SD1_DAT7",       "SPI0_CE0_N",       "CTS1"         },
    /* 44 */ { "GPCLK1",     "SDA0",        "SDA1",      NULL,             "SPI0_CE1_N",       "SD_CARD_VOLT" },
    /* 45 */ { "PWM0_1",     "SCL0",        "SCL1",      NULL,             "SPI0_CE2_N",       "SD_CARD_PWR0" },
    /* 46 */ { NULL,         NULL,          NULL,        NULL,             NULL,               NULL           },
    /* 47 */ { NULL,         NULL,          NULL,        NULL,             NULL,               NULL           },
    /* 48 */ { NULL,         NULL,          NULL,        NULL,             NULL,               NULL           },
    /* 49 */ { NULL,         NULL,          NULL,        NULL,             NULL,               NULL           },
    /* 50 */ { NULL,         NULL,          NULL,        NULL,             NULL,               NULL           },
    /* 51 */ { NULL,         NULL,          NULL,        NULL,             NULL,               NULL           },
    /* 52 */ { NULL,         NULL,          NULL,        NULL,             NULL,               NULL           },
    /* 53 */ { NULL,         NULL,          NULL,        NULL,             NULL,               NULL           },
    /* 54 */ { NULL,         NULL,          NULL,        NULL,             NULL,               NULL           },
    /* 55 */ { NULL,         NULL,          NULL,        NULL,             NULL,               NULL           },
    /* 56 */ { NULL,         NULL,          NULL,        NULL,             NULL,               NULL           },
    /* 57 */ { NULL,         NULL,          NULL,        NULL,             NULL,               NULL           },
};

/*
 * RP1 bank 0: "RP1 Peripherals" (Raspberry Pi Ltd, 2023), section 3.1.1 "Function select",
 * table 4 "GPIO function selection". Rows are GPIO 0-27, columns a0-a8. "Function selections
 * without a named function in this list are reserved": NULL here.
 */
static const char *const rp1_alt[28][STROBE_RP1_ALT_COUNT] = {
    /*         a0              a1           a2              a3               a4             a5          a6              a7         a8 */
    /*  0 */ { "SPI0_SIO[3]",  "DPI_PCLK",  "UART1_TX",     "I2C0_SDA",      NULL,          "SYS_RIO0", "PROC_RIO[0]",  "PIO[0]",  "SPI2_CSn[0]" },
    /*  1 */ { "SPI0_SIO[2]",  "DPI_DE",    "UART1_RX",     "I2C0_SCL",      NULL,          "SYS_RIO0", "PROC_RIO[1]",  "PIO[1]",  "SPI2_SIO[1]" },
    /*  2 */ { "SPI0_CSn[3]",  "DPI_VSYNC", "UART1_CTS",    "I2C1_SDA",      "UART0_IR_RX", "SYS_RIO0", "PROC_RIO[2]",  "PIO[2]",  "SPI2_SIO[0]" },
    /*  3 */ { "SPI0_CSn[2]",  "DPI_HSYNC", "UART1_RTS",    "I2C1_SCL",      "UART0_IR_TX", "SYS_RIO0", "PROC_RIO[3]",  "PIO[3]",  "SPI2_SCLK"   },
    /*  4 */ { "GPCLK[0]",     "DPI_D[0]",  "UART2_TX",     "I2C2_SDA",      "UART0_RI",    "SYS_RIO0", "PROC_RIO[4]",  "PIO[4]",  "SPI3_CSn[0]" },
    /*  5 */ { "GPCLK[1]",     "DPI_D[1]",  "UART2_RX",     "I2C2_SCL",      "UART0_DTR",   "SYS_RIO0", "PROC_RIO[5]",  "PIO[5]",  "SPI3_SIO[1]" },
    /*  6 */ { "GPCLK[2]",     "DPI_D[2]",  "UART2_CTS",    "I2C3_SDA",      "UART0_DCD",   "SYS_RIO0", "PROC_RIO[6]",  "PIO[6]",  "SPI3_SIO[0]" },
    /*  7 */ { "SPI0_CSn[1]",  "DPI_D[3]",  "UART2_RTS",    "I2C3_SCL",      "UART0_DSR",   "SYS_RIO0", "PROC_RIO[7]",  "PIO[7]",  "SPI3_SCLK"   },
    /*  8 */ { "SPI0_CSn[0]",  "DPI_D[4]",  "UART3_TX",     "I2C0_SDA",      NULL,          "SYS_RIO0", "PROC_RIO[8]",  "PIO[8]",  "SPI4_CSn[0]" },
    /*  9 */ { "SPI0_SIO[1]",  "DPI_D[5]",  "UART3_RX",     "I2C0_SCL",      NULL,          "SYS_RIO0", "PROC_RIO[9]",  "PIO[9]",  "SPI4_SIO[0]" },
    /* 10 */ { "SPI0_SIO[0]",  "DPI_D[6]",  "UART3_CTS",    "I2C1_SDA",      NULL,          "SYS_RIO0", "PROC_RIO[10]", "PIO[10]", "SPI4_SIO[1]" },
    /* 11 */ { "SPI0_SCLK",    "DPI_D[7]",  "UART3_RTS",    "I2C1_SCL",      NULL,          "SYS_RIO0", "PROC_RIO[11]", "PIO[11]", "SPI4_SCLK"   },
    /* 12 */ { "PWM0[0]",      "DPI_D[8]",  "UART4_TX",     "I2C2_SDA",      "AUDIO_OUT_L", "SYS_RIO0", "PROC_RIO[12]", "PIO[12]", "SPI5_CSn[0]" },
    /* 13 */ { "PWM0[1]",      "DPI_D[9]",  "UART4_RX",     "I2C2_SCL",      "AUDIO_OUT_R", "SYS_RIO0", "PROC_RIO[13]", "PIO[13]", "SPI5_SIO[1]" },
    /* 14 */ { "PWM0[2]",      "DPI_D[10]", "UART4_CTS",    "I2C3_SDA",      "UART0_TX",    "SYS_RIO0", "PROC_RIO[14]", "PIO[14]", "SPI5_SIO[0]" },
    /* 15 */ { "PWM0[3]",      "DPI_D[11]", "UART4_RTS",    "I2C3_SCL",      "UART0_RX",    "SYS_RIO0", "PROC_RIO[15]", "PIO[15]", "SPI5_SCLK"   },
    /* 16 */ { "SPI1_CSn[2]",  "DPI_D[12]", "MIPI0_DSI_TE", NULL,            "UART0_CTS",   "SYS_RIO0", "PROC_RIO[16]", "PIO[16]", NULL          },
    /* 17 */ { "SPI1_CSn[1]",  "DPI_D[13]", "MIPI1_DSI_TE", NULL,            "UART0_RTS",   "SYS_RIO0", "PROC_RIO[17]", "PIO[17]", NULL          },
    /* 18 */ { "SPI1_CSn[0]",  "DPI_D[14]", "I2S0_SCLK",    "PWM0[2]",       "I2S1_SCLK",   "SYS_RIO0", "PROC_RIO[18]", "PIO[18]", "GPCLK[1]"    },
    /* 19 */ { "SPI1_SIO[1]",  "DPI_D[15]", "I2S0_WS",      "PWM0[3]",       "I2S1_WS",     "SYS_RIO0", "PROC_RIO[19]", "PIO[19]", NULL          },
    /* 20 */ { "SPI1_SIO[0]",  "DPI_D[16]", "I2S0_SDI[0]",  "GPCLK[0]",      "I2S1_SDI[0]", "SYS_RIO0", "PROC_RIO[20]", "PIO[20]", NULL          },
    /* 21 */ { "SPI1_SCLK",    "DPI_D[17]", "I2S0_SDO[0]",  "GPCLK[1]",      "I2S1_SDO[0]", "SYS_RIO0", "PROC_RIO[21]", "PIO[21]", NULL          },
    /* 22 */ { "SDIO0_CLK",    "DPI_D[18]", "I2S0_SDI[1]",  "I2C3_SDA",      "I2S1_SDI[1]", "SYS_RIO0", "PROC_RIO[22]", "PIO[22]", NULL          },
    /* 23 */ { "SDIO0_CMD",    "DPI_D[19]", "I2S0_SDO[1]",  "I2C3_SCL",      "I2S1_SDO[1]", "SYS_RIO0", "PROC_RIO[23]", "PIO[23]", NULL          },
    /* 24 */ { "SDIO0_DAT[0]", "DPI_D[20]", "I2S0_SDI[2]",  NULL,            "I2S1_SDI[2]", "SYS_RIO0", "PROC_RIO[24]", "PIO[24]", "SPI2_CSn[1]" },
    /* 25 */ { "SDIO0_DAT[1]", "DPI_D[21]", "I2S0_SDO[2]",  "AUDIO_IN_CLK",  "I2S1_SDO[2]", "SYS_RIO0", "PROC_RIO[25]", "PIO[25]", "SPI3_CSn[1]" },
    /* 26 */ { "SDIO0_DAT[2]", "DPI_D[22]", "I2S0_SDI[3]",  "AUDIO_IN_DAT0", "I2S1_SDI[3]", "SYS_RIO0", "PROC_RIO[26]", "PIO[26]", "SPI5_CSn[1]" },
    /* 27 */ { "SDIO0_DAT[3]", "DPI_D[23]", "I2S0_SDO[3]",  "AUDIO_IN_DAT1", "I2S1_SDO[3]", "SYS_RIO0", "PROC_RIO[27]", "PIO[27]", "SPI1_CSn[1]" },
};

const char *strobe_alt_name(strobe_layout layout, unsigned pin, unsigned alt) {
    switch (layout) {
    case STROBE_LAYOUT_BCM2835:
        if (pin >= sizeof bcm2835_alt / sizeof bcm2835_alt[0] || alt >= STROBE_BCM_ALT_COUNT) return NULL;
        return bcm2835_alt[pin][alt];
    case STROBE_LAYOUT_BCM2711:
        if (pin >= sizeof bcm2711_alt / sizeof bcm2711_alt[0] || alt >= STROBE_BCM_ALT_COUNT) return NULL;
        return bcm2711_alt[pin][alt];
    case STROBE_LAYOUT_RP1:
        if (pin >= sizeof rp1_alt / sizeof rp1_alt[0] || alt >= STROBE_RP1_ALT_COUNT) return NULL;
        return rp1_alt[pin][alt];
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* 40-pin header                                                                              */
/* ------------------------------------------------------------------------------------------ */

#define HDR_GPIO(phys, bcm, role) { (phys), STROBE_HEADER_GPIO, (bcm), (role) }
#define HDR_3V3(phys)             { (phys), STROBE_HEADER_3V3, -1, "" }
#define HDR_5V(phys)              { (phys), STROBE_HEADER_5V, -1, "" }
#define HDR_GND(phys)             { (phys), STROBE_HEADER_GND, -1, "" }

/*
 * The 40-pin J8 header shared by every 40-pin Pi (A+/B+ onwards, Zero, 2, 3, 4, 400, 5):
 * physical pin -> supply or BCM GPIO number (Raspberry Pi documentation, "GPIO and the
 * 40-pin header"). Roles are the usual peripheral on that pin, named after the ALT0/ALT4/
 * ALT5 (BCM) or a0/a2/a3/a4 (RP1) functions in the tables above; on RP1 the same blocks
 * sit on the same pins. GPIO0/1 are reserved for the HAT ID EEPROM.
 */
static const strobe_header_pin header_pins[40] = {
    HDR_3V3(1),                                     HDR_5V(2),
    HDR_GPIO(3, 2, "I2C1 SDA"),                     HDR_5V(4),
    HDR_GPIO(5, 3, "I2C1 SCL"),                     HDR_GND(6),
    HDR_GPIO(7, 4, "GPCLK0"),                       HDR_GPIO(8, 14, "UART TX"),
    HDR_GND(9),                                     HDR_GPIO(10, 15, "UART RX"),
    HDR_GPIO(11, 17, "SPI1 CE1"),                   HDR_GPIO(12, 18, "PCM CLK / PWM0"),
    HDR_GPIO(13, 27, ""),                           HDR_GND(14),
    HDR_GPIO(15, 22, ""),                           HDR_GPIO(16, 23, ""),
    HDR_3V3(17),                                    HDR_GPIO(18, 24, ""),
    HDR_GPIO(19, 10, "SPI0 MOSI"),                  HDR_GND(20),
    HDR_GPIO(21, 9, "SPI0 MISO"),                   HDR_GPIO(22, 25, ""),
    HDR_GPIO(23, 11, "SPI0 SCLK"),                  HDR_GPIO(24, 8, "SPI0 CE0"),
    HDR_GND(25),                                    HDR_GPIO(26, 7, "SPI0 CE1"),
    HDR_GPIO(27, 0, "ID EEPROM SDA"),               HDR_GPIO(28, 1, "ID EEPROM SCL"),
    HDR_GPIO(29, 5, ""),                            HDR_GND(30),
    HDR_GPIO(31, 6, ""),                            HDR_GPIO(32, 12, "PWM0"),
    HDR_GPIO(33, 13, "PWM1"),                       HDR_GND(34),
    HDR_GPIO(35, 19, "PCM FS / SPI1 MISO"),         HDR_GPIO(36, 16, "SPI1 CE2"),
    HDR_GPIO(37, 26, ""),                           HDR_GPIO(38, 20, "PCM DIN / SPI1 MOSI"),
    HDR_GND(39),                                    HDR_GPIO(40, 21, "PCM DOUT / SPI1 SCLK"),
};

#undef HDR_GPIO
#undef HDR_3V3
#undef HDR_5V
#undef HDR_GND

const strobe_header_pin *strobe_header_pins(void) { return header_pins; }
