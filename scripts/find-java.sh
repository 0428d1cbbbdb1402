#!/usr/bin/env bash
# Prints the home of a JDK 21 or newer, the newest one found, or fails with a message.
# Looks where the build's toolchain discovery looks: JAVA_HOME, the java on the PATH, and the
# usual JDK folders (/usr/lib/jvm, /usr/java, /opt/java, /Library/Java/JavaVirtualMachines,
# ~/.jdks, ~/.sdkman/candidates/java).
set -u

major_of() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | awk -F= '/java.specification.version/ { gsub(/ /, "", $2); print $2 }' | cut -d. -f1
}

best_home=""
best_major=0
consider() {
  local home="$1"
  [ -n "$home" ] && [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  local major
  major=$(major_of "$home")
  case "$major" in ''|*[!0-9]*) return 0 ;; esac
  if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
    best_major=$major
    best_home=$home
  fi
}

consider "${JAVA_HOME:-}"
if command -v java >/dev/null 2>&1; then
  consider "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
fi
for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home \
           "$HOME"/.jdks/* "$HOME"/.sdkman/candidates/java/*; do
  consider "$dir"
done

if [ -z "$best_home" ]; then
  echo "p2p4j needs a JDK 21 or newer; none was found (looked at JAVA_HOME, the PATH and the usual JDK folders)" >&2
  exit 1
fi
echo "$best_home"
