/* win_session.h - Windows only: the end of the user's session (log-off,
 * shut-down, restart) reaches a kiosk-mode kiosk.
 *
 * Windows asks every top-level window WM_QUERYENDSESSION, then sends
 * WM_ENDSESSION and ends the process as soon as the window procedure returns
 * from it (TerminateProcess: nothing after that point runs).  SDL 2 turns
 * neither into an event, so without this a sitting open at a shut-down would
 * be left as a draft for the next start to recover.  This is the Windows side
 * of what SIGTERM is on Linux (kiosk/app.c): the system, not a participant,
 * ends the kiosk, and the kiosk closes the sitting first.  The window's close
 * (WM_CLOSE: the close button, Alt+F4, taskkill without /F) is not this and
 * stays ignored in kiosk mode.
 *
 * The window procedure of the SDL window is subclassed (all else goes on to
 * SDL's); on WM_ENDSESSION
 * (session really ending) it calls `on_end` synchronously, on the thread that
 * runs the event loop, between two events (the message arrives while SDL
 * pumps messages), then returns to Windows.
 */
#ifndef KIOSK_WIN_SESSION_H
#define KIOSK_WIN_SESSION_H

#include <SDL.h>

/* Watch WIN's session messages; `on_end(arg)` runs once at WM_ENDSESSION.
 * One window at a time.  Returns 0, or -1 with a sentence in err when the
 * window's handle cannot be had (the kiosk then runs without the watch). */
int win_session_watch(SDL_Window *win, void (*on_end)(void *arg), void *arg, char *err,
                      size_t err_size);
/* How many WM_CLOSE messages the window got (the close button, Alt+F4, a
 * window manager's close under Wine, taskkill without /F), whether or not
 * kiosk mode then ignored them: test builds put it in the UI map so that a
 * test can tell "ignored" from "never arrived". */
unsigned win_session_close_count(void);
/* Put the window's own procedure back (before the window is destroyed).
 * A no-op when nothing is watched. */
void win_session_stop(void);

#endif
