# Cross build for arm64 (Raspberry Pi OS bookworm, Debian bookworm arm64) against
# Debian's multiarch :arm64 packages, on an x86-64 Debian host:
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install crossbuild-essential-arm64 qemu-user libsdl2-dev:arm64 ... (scripts/deps.sh)
#   cmake -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake
# ctest then runs every test binary under qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR),
# and the Python end-to-end tests start the binaries through it too (tests/CMakeLists.txt).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Headers and libraries come from the target's root only; programs (python3, qemu)
# from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must see the arm64 .pc files, never the host's.  Debian's multiarch
# layout keeps them in /usr/lib/aarch64-linux-gnu/pkgconfig; their paths
# (/usr/include, /usr/lib/aarch64-linux-gnu) are right as they stand, so no sysroot.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
# Libraries live in the host's /usr/lib/aarch64-linux-gnu, not under the find root.
list(APPEND CMAKE_FIND_ROOT_PATH /)

# The emulator loads the target's own glibc: the multiarch libc6:arm64 (the one
# Raspberry Pi OS bookworm has), whose /lib/ld-linux-aarch64.so.1 and
# /lib/aarch64-linux-gnu/libc.so.6 come from one build.  Not "-L /usr/aarch64-linux-gnu":
# that takes ld.so from the cross toolchain's libc6-arm64-cross (another build, 2.36-8cross1
# here) while libc.so.6 still comes from /lib/aarch64-linux-gnu (2.36-9+deb12u14), and
# the two disagree on ld.so's private data: the first pthread_create walks a stack-cache
# list that was never set up for it and spins forever (the kiosk's input reader, the
# merge's verify threads).  Measured 2026-12-01: a five-line pthread_create program hangs
# with the old prefix and runs with this one.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/)
