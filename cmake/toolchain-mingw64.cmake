# Cross build for 64-bit Windows with mingw-w64 (scripts/build-windows.sh uses it).
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw64.cmake -DSK_WIN_PREFIX=DIR
# SK_WIN_PREFIX is where the static Windows builds of the dependencies are installed
# (build-windows.sh's cache); pkg-config looks only there, with --static so each
# library brings the Windows system libraries it needs.  Test executables run under
# Wine (ctest uses CMAKE_CROSSCOMPILING_EMULATOR).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(SK_WIN_HOST x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${SK_WIN_HOST}-gcc)
set(CMAKE_CXX_COMPILER ${SK_WIN_HOST}-g++)
set(CMAKE_RC_COMPILER ${SK_WIN_HOST}-windres)
set(CMAKE_AR ${SK_WIN_HOST}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${SK_WIN_HOST}-ranlib CACHE FILEPATH "")

if(NOT SK_WIN_PREFIX)
  if(DEFINED ENV{SK_WIN_PREFIX})
    set(SK_WIN_PREFIX $ENV{SK_WIN_PREFIX})
  else()
    set(SK_WIN_PREFIX /var/cache/survey-kiosk-win64/prefix)
  endif()
endif()
set(SK_WIN_PREFIX ${SK_WIN_PREFIX} CACHE PATH "Prefix of the Windows dependency builds")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SK_WIN_PREFIX)

set(CMAKE_FIND_ROOT_PATH /usr/${SK_WIN_HOST} ${SK_WIN_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(ENV{PKG_CONFIG_LIBDIR} ${SK_WIN_PREFIX}/lib/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
set(PKG_CONFIG_ARGN --static)

# Static C runtime pieces (libgcc, winpthread): the .exe files need no DLL beside them.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")

set(CMAKE_CROSSCOMPILING_EMULATOR wine)
