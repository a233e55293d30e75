/* testhook.h - the test protocol of docs/KIOSK.md (agreed in KIOSK_PROTOCOL):
 *   SURVEY_KIOSK_UIMAP=FILE   after every presented frame, FILE is atomically
 *                             replaced by a JSON map of the screen's widgets;
 *   SURVEY_KIOSK_INPUT=PATH   a file or FIFO of input lines ("tap X Y", "key
 *                             Tab", "text ...") that a reader thread turns into
 *                             real SDL events with SDL_PushEvent.
 * Both are off unless the variables are set, and exist only in a build
 * configured with -DSK_TEST_HOOKS=ON (testhook.c is left out of any other
 * build, see kiosk/CMakeLists.txt).  The UIMAP holds what the screen
 * shows, answers included: it is for tests and accessibility audits, never for
 * a kiosk in the field. */
#ifndef KIOSK_TESTHOOK_H
#define KIOSK_TESTHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app;
typedef struct testhook testhook;

/* User events the reader pushes; registered with SDL_RegisterEvents. */
typedef struct testhook_events {
    uint32_t line_done;      /* all events of one input line are queued */
    uint32_t resize;         /* data1 = width, data2 = height */
    uint32_t screenshot;     /* data1 = malloc'd path */
} testhook_events;

#ifdef SK_TEST_HOOKS
/* Start from the environment; NULL when neither variable is set.  err gets
 * a sentence when a variable is set but cannot be used. */
testhook *testhook_start(const char *uimap_path, const char *input_path, char *err,
                         size_t err_size);
void testhook_stop(testhook *t);  /* NULL is a no-op */
const testhook_events *testhook_event_types(const testhook *t);
/* Tell the reader the window size (for finger coordinates). */
void testhook_set_window(testhook *t, int w, int h);
/* After a frame was presented: write the UIMAP; release the reader when
 * lines_done > 0 (one per finished line). */
void testhook_frame(testhook *t, const struct app *a);
void testhook_line_done(testhook *t);
#else
/* A build without -DSK_TEST_HOOKS=ON has no testhook.c: nothing reads the
 * variables, there is never a hook, and these stubs compile the calls away. */
static inline void testhook_stop(testhook *t) { (void)t; }
static inline const testhook_events *testhook_event_types(const testhook *t)
{
    (void)t;
    return NULL;
}
static inline void testhook_set_window(testhook *t, int w, int h)
{
    (void)t;
    (void)w;
    (void)h;
}
static inline void testhook_frame(testhook *t, const struct app *a)
{
    (void)t;
    (void)a;
}
static inline void testhook_line_done(testhook *t) { (void)t; }
#endif

#endif
