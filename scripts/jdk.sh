# Sourced by ./amalgam and the test script: sets AMALGAM_JAVA_HOME to a JDK >= 25 or explains what to install.
amalgam_java_major() {
  "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

amalgam_find_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(amalgam_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      AMALGAM_JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "amalgam: no JDK 25 or newer found (looked at JAVA_HOME and /usr/lib/jvm/*)." >&2
  echo "amalgam: install one, e.g. 'apt-get install temurin-25-jdk', or set JAVA_HOME to it." >&2
  return 1
}
