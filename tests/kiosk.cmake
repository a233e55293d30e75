# kiosk: the SDL-free logic of survey-kiosk (palette contrast, line breaking,
# removable-media discovery).  The end-to-end kiosk tests are in their own fragment.
sk_unit_test(test_kiosk_theme ${CMAKE_CURRENT_SOURCE_DIR}/test_kiosk_theme.c kiosk_logic)
sk_unit_test(test_kiosk_wrap  ${CMAKE_CURRENT_SOURCE_DIR}/test_kiosk_wrap.c  kiosk_logic)
# A pack's pictures decoded from memory and scaled (kiosk/pictures.c, SDL2_image).
sk_unit_test(test_kiosk_pictures ${CMAKE_CURRENT_SOURCE_DIR}/test_kiosk_pictures.c kiosk_pictures sk_crypto)
# render.c's text blend (kiosk/textblend.c) against the real SDL_BlitSurface, every
# coverage and background value (amd64, and arm64 under qemu in the cross build).
sk_unit_test(test_kiosk_blend ${CMAKE_CURRENT_SOURCE_DIR}/test_kiosk_blend.c kiosk_logic PkgConfig::SDL2)
if(NOT WIN32) # FIFOs and symbolic links on a stick
sk_unit_test(test_kiosk_media ${CMAKE_CURRENT_SOURCE_DIR}/test_kiosk_media.c kiosk_logic)
endif()

# The end-to-end tests below drive the kiosk through its test hooks (UI map,
# input file), which only a build with -DSK_TEST_HOOKS=ON has.
if(NOT SK_TEST_HOOKS)
  message(STATUS "SK_TEST_HOOKS is OFF: the kiosk's end-to-end tests are not registered")
  return()
endif()
# The kiosk end to end: real survey-kiosk under SDL's offscreen driver, driven
# through SURVEY_KIOSK_INPUT, checked through SURVEY_KIOSK_UIMAP, then the records
# exported, merged and opened with the study key by the real survey-sync.
sk_e2e_test(test_kiosk_flows 600 kiosk_flows.py
            $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_e2e.md)
# Every example questionnaire completed in every language on the real kiosk,
# touch targets audited on each screen, answers checked in the exported CSV.
sk_e2e_test(test_kiosk_examples 900 kiosk_examples.py
            $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${PROJECT_SOURCE_DIR}/examples)
# Kiosk mode and the admin menu: PIN, counts, label, USB install and export.
sk_e2e_test(test_kiosk_admin 600 kiosk_admin.py
            $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_e2e.md)
# Security rules on the real binary: set-up screen in kiosk mode without a PIN,
# --set-pin (pty and pipe), the PIN delay across a restart, file modes, a hostile
# USB stick (FIFO, link), the device fingerprint on the admin screen.
sk_e2e_test(test_kiosk_security 600 kiosk_security.py
            $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_e2e.md)
# One kiosk per data folder (a second kiosk, --export and --install refused
# with the holder's pid; SIGKILL leaves no stale lock) and the kiosk's own
# timeouts: thank-you / declined screens, an idle timeout below 15 s.
sk_e2e_test(test_kiosk_lock 600 kiosk_lock.py
            $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_e2e.md)
# Long and limited free text (issue 15): typed, IME, on-screen keyboard and
# pasted text at and over a form's string-length limit and the 10,000 default,
# refused whole, stored exactly as shown (checked in the exported CSV).
sk_e2e_test(test_kiosk_text 600 kiosk_text.py
            $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_text.md)
# Cascading selects (issue 11): choice filters with current()/../x, ../x and
# ${x}, lookups with instance() and pulldata(), on the real kiosk, then the
# exported CSV compared with what was entered.
sk_e2e_test(test_kiosk_cascade 300 kiosk_cascade.py
            $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_cascade.md)
# Repeats (issue 11): members added, titled "k of n", removed with a
# confirmation, Back across instances, by touch and by keyboard; the export's
# responses and per-repeat CSVs hold exactly what was entered.
sk_e2e_test(test_kiosk_repeats 600 kiosk_repeats.py
            $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_repeat.md)
# Pictures in labels (issue 11): per language, scaled to the column at 800x480
# and 1080p, on choices, drawn from the pack (screenshot colours), a damaged
# and a missing picture each a line in its place; answers checked in the CSV.
# Built without pictures (-DSK_PICTURES=OFF), each picture's name in a frame instead.
if(SK_PICTURES)
  set(_pictures pictures)
else()
  set(_pictures no-pictures)
endif()
sk_e2e_test(test_kiosk_pictures_e2e 300 kiosk_pictures.py
            $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_pictures.md ${_pictures})
# Choices' pictures in the compact layouts (issue 11): Likert, table-list headers and
# drop-down thumbnails, sized, in their colours on the screenshot, chosen by touch.
if(SK_PICTURES)
  sk_e2e_test(test_kiosk_pictures_compact 300 kiosk_pictures_compact.py
              $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_pictures_compact.md)
endif()
# Forms other people wrote (issue 11): ten forms of the compatibility suite (two loops,
# the two "Spec test" forms with a space in their id and a repeat),
# byte for byte, completed on the kiosk by mouse, finger and keyboard alone,
# then merged and exported: each responses CSV holds what was entered.
sk_e2e_test(test_kiosk_compat 600 kiosk_compat.py
            $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/compat/forms)
# dateTime (a date row and a time row of steppers), month-year and year dates,
# by touch and keyboard, in Europe/Berlin; stored as ODK does, exported in UTC.
sk_e2e_test(test_kiosk_dates 300 kiosk_dates.py
            $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/dates.md)

# SIGTERM (systemctl stop, shutdown) ends even a kiosk-mode kiosk at once, exit 0,
# an open sitting kept as one incomplete record (issue 12).
sk_e2e_test(test_kiosk_sigterm 300 kiosk_sigterm.py
            $<TARGET_FILE:survey-kiosk> $<TARGET_FILE:survey-sync> ${CMAKE_CURRENT_SOURCE_DIR}/data/forms/kiosk_e2e.md)
