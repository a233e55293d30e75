/* cmd_pack.c - PLACEHOLDER until its module lands; replaced by the real command. */
#include "cmd.h"

int cmd_pack(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sync_failf("'pack' is not built yet");
}
