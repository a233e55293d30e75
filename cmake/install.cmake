# `cmake --install` layout (used by scripts/package-deb.sh with CMAKE_INSTALL_PREFIX=/usr
# and SK_FONT_DIR=/usr/share/survey-kiosk/fonts): the programs (and survey-kiosk-deliver), the bundled
# fonts where SK_FONT_DIR says the kiosk looks, the man pages, and the Raspberry Pi
# appliance pieces (packaging/: systemd units, sysusers, udev and polkit rules).
include(GNUInstallDirs)
install(TARGETS survey-kiosk survey-sync RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(NOT WIN32) # beside survey-kiosk, which starts it (kiosk/deliver.h)
  install(TARGETS survey-kiosk-deliver RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(FILES ${PROJECT_SOURCE_DIR}/fonts/DejaVuSans.ttf ${PROJECT_SOURCE_DIR}/fonts/DejaVuSans-Bold.ttf
              ${PROJECT_SOURCE_DIR}/fonts/LICENSE-DejaVu.txt
        DESTINATION ${CMAKE_INSTALL_DATADIR}/survey-kiosk/fonts)
install(FILES ${PROJECT_SOURCE_DIR}/docs/man/survey-kiosk.1 ${PROJECT_SOURCE_DIR}/docs/man/survey-sync.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
