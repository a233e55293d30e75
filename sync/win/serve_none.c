/* serve_none.c - survey-sync serve in the Windows build: not there, said plainly.
 *
 * The server (cmd_serve.c, serve_dir.c, serve_http.c) is built on
 * libmicrohttpd and GnuTLS; the portable Windows build carries neither
 * (scripts/build-windows.sh builds only what a kiosk and a researcher's
 * USB workflow need).  This file replaces those three in a Windows build
 * (sync/CMakeLists.txt), so that `serve` and `pack --deliver-to` fail with a
 * sentence naming what to do instead of being missing from the command table.
 * Kiosks built for Windows still deliver to a server run on Linux. */
#include <stdio.h>

#include "cmd.h"
#include "serve.h"

#define ELSEWHERE "run survey-sync serve and pack --deliver-to on Linux (the survey-sync .deb); " \
                  "Windows kiosks deliver to it, and USB export works everywhere"

int cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return sync_failf("serve is not part of the Windows build (it needs libmicrohttpd and "
                      "GnuTLS); %s", ELSEWHERE);
}

sk_status serve_tls_pin(const char *cert_path, uint8_t pin[32], sk_error *err)
{
    (void)pin;
    return sk_error_set(err, SK_ERR_UNSUPPORTED,
                        "%s: reading a server certificate is not part of the Windows build; %s",
                        cert_path, ELSEWHERE);
}
