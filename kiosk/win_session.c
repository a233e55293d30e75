/* win_session.c - the end of the Windows session reaches the kiosk (see win_session.h).
 * Built only for Windows (kiosk/CMakeLists.txt). */
#include "win_session.h"

#include <SDL_syswm.h>
#include <stdio.h>
#include <windows.h>

/* One watched window: the kiosk has one. */
static HWND watched;
static WNDPROC sdl_proc;
static void (*end_cb)(void *);
static void *end_arg;
static volatile LONG closes;

static LRESULT CALLBACK session_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp)
{
    if (msg == WM_CLOSE)
        InterlockedIncrement(&closes); /* then SDL's: SDL_WINDOWEVENT_CLOSE */
    if (msg == WM_QUERYENDSESSION)
        return TRUE; /* a kiosk never holds up a shut-down: its answers are saved */
    if (msg == WM_ENDSESSION && wp && end_cb) {
        /* After this returns the process may be gone: the callback does
         * the clean-up now.  Once only, should another WM_ENDSESSION come. */
        void (*cb)(void *) = end_cb;
        end_cb = NULL;
        cb(end_arg);
        return 0;
    }
    return CallWindowProcW(sdl_proc, hwnd, msg, wp, lp);
}

int win_session_watch(SDL_Window *win, void (*on_end)(void *arg), void *arg, char *err,
                      size_t err_size)
{
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (watched || !SDL_GetWindowWMInfo(win, &info) || info.subsystem != SDL_SYSWM_WINDOWS) {
        /* The offscreen and dummy drivers (tests) have no Windows window. */
        snprintf(err, err_size, "the window has no Windows handle (%s)",
                 watched ? "one is watched already" : SDL_GetError());
        return -1;
    }
    end_cb = on_end;
    end_arg = arg;
    watched = info.info.win.window;
    sdl_proc = (WNDPROC)SetWindowLongPtrW(watched, GWLP_WNDPROC, (LONG_PTR)session_proc);
    if (!sdl_proc) {
        snprintf(err, err_size, "cannot watch the window's messages (error %lu)",
                 (unsigned long)GetLastError());
        watched = NULL;
        end_cb = NULL;
        return -1;
    }
    return 0;
}

unsigned win_session_close_count(void)
{
    return (unsigned)InterlockedCompareExchange(&closes, 0, 0);
}

void win_session_stop(void)
{
    if (!watched)
        return;
    SetWindowLongPtrW(watched, GWLP_WNDPROC, (LONG_PTR)sdl_proc);
    watched = NULL;
    sdl_proc = NULL;
    end_cb = NULL;
    end_arg = NULL;
}
