# export: CSV + codebook export, the HTML/text report, `survey-sync export|report`.
set(_export_int ${PROJECT_SOURCE_DIR}/lib/export)
if(NOT WIN32) # umask cases
sk_unit_test(test_export ${CMAKE_CURRENT_SOURCE_DIR}/test_export.c sk_export)
target_include_directories(test_export PRIVATE ${_export_int})
endif()

# The end-to-end sync scenario of issue 5: kiosks (through the kiosk store API),
# bundles, merges in shuffled order, withdrawal, export and report, all checked
# against what the test entered.  survey-kiosk installs packs and writes the
# bundles; the driver plays the participants through the kiosk store API.
add_executable(sync_scenario_kiosk ${CMAKE_CURRENT_SOURCE_DIR}/e2e/sync_scenario_kiosk.c)
target_link_libraries(sync_scenario_kiosk PRIVATE skcore PkgConfig::JANSSON PkgConfig::SODIUM)
# On SQLite and on PostgreSQL (the _pg variant), as every end-to-end test of
# the central store here.
sk_store_e2e_test(test_export_sync_scenario 600 sync_scenario.py
                  $<TARGET_FILE:survey-sync> $<TARGET_FILE:sync_scenario_kiosk>
                  ${CMAKE_CURRENT_SOURCE_DIR}/data/export/scenario.md
                  $<TARGET_FILE:survey-kiosk>)

# Export and report over a real central store: an unreadable record is
# skipped and listed, formula-like text is defused, another study's key is refused.
sk_unit_test(test_export_store ${CMAKE_CURRENT_SOURCE_DIR}/test_export_store.c skcore
             PkgConfig::SODIUM)

# Formula defusing, umask, unreadable records and escaped inspect output,
# end to end through survey-sync on the store test_export_store makes.
sk_store_e2e_test(test_export_sync_safety 600 sync_export_safety.py
                  $<TARGET_FILE:survey-sync> $<TARGET_FILE:test_export_store>)

# Issue 13, ethics: sitting_id joins consent and responses, identifiers kept
# apart, quotation consent honoured, consents counted, status exits 3 on gaps.
sk_store_e2e_test(test_export_sync_ethics 600 sync_ethics.py
                  $<TARGET_FILE:survey-sync> $<TARGET_FILE:sync_scenario_kiosk>
                  ${CMAKE_CURRENT_SOURCE_DIR}/data/export/ethics.md
                  $<TARGET_FILE:survey-kiosk>)

# Issue 13, files researchers open: export --format csv,xlsx,sav,dta of a
# study with every question type, each file read back by readers we did not
# write (Python's csv, openpyxl, R's haven, the readstat tool).
sk_store_e2e_test(test_export_sync_formats 600 sync_formats.py
            $<TARGET_FILE:survey-sync> $<TARGET_FILE:sync_scenario_kiosk>
            ${CMAKE_CURRENT_SOURCE_DIR}/data/export/formats.md $<TARGET_FILE:survey-kiosk>)

# Issue 13, the report: display widths, label wrapping, scale palettes,
# Likert captions, bars by group, bipolar or unipolar scales.
sk_unit_test(test_report ${CMAKE_CURRENT_SOURCE_DIR}/test_report.c sk_export)
target_include_directories(test_report PRIVATE ${_export_int})
