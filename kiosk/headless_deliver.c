/* headless_deliver.c - survey-kiosk --data DIR --deliver: runs
 * survey-kiosk-deliver --data DIR (kiosk/deliver/main.c) in its place, which
 * delivers once, from a terminal or a script: batches of the records not
 * delivered yet to the pack's server until nothing waits or a try fails.
 * The kiosk itself does not load libcurl (deliver.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "deliver.h"
#include "headless.h"

int kiosk_deliver(const char *data_dir)
{
#ifdef _WIN32
    (void)data_dir;
    fprintf(stderr, "survey-kiosk: error: this Windows build has no delivery; export to USB "
                    "instead (--export DIR)\n");
    return 1;
#else
    char helper[4096];
    if (!kdeliver_helper_path(helper, sizeof helper)) {
        fprintf(stderr, "survey-kiosk: error: cannot find the folder of survey-kiosk, where "
                        "survey-kiosk-deliver is\n");
        return 1;
    }
    fflush(NULL);
    /* argv[0] "survey-kiosk": the helper's messages then name the command the user ran. */
    char *argv[] = {"survey-kiosk", "--data", (char *)data_dir, NULL};
    execv(helper, argv);
    fprintf(stderr, "survey-kiosk: error: cannot run %s: %s (it is installed beside survey-kiosk)\n",
            helper, strerror(errno));
    return 1;
#endif
}
