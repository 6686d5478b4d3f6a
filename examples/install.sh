#!/usr/bin/env bash
# Installs each example service's own dependencies the way its community does (npm ci from its lock file;
# for Java, the Maven build), only when their inputs are newer than what is installed. One ✓/✗ line per step.
set -euo pipefail
cd "$(dirname "$0")"
for dir in */; do
  name=${dir%/}
  if [ -f "$name/package-lock.json" ]; then
    if [ ! -f "$name/node_modules/.package-lock.json" ] || [ "$name/package-lock.json" -nt "$name/node_modules/.package-lock.json" ]; then
      log=$(mktemp)
      if ! (cd "$name" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        echo " ✗ examples/$name: npm ci failed" >&2
        exit 1
      fi
      rm -f "$log"
      echo " ✓ examples/$name: npm ci"
    else
      echo " ✓ examples/$name: dependencies up to date"
    fi
  fi
done

# Java examples: the jar as Maven builds it, then Spring Boot's documented class data sharing (the jar
# extracted, one training run recording target/cds/app.jsa), which cuts each start's CPU time by ~40 %.
for pom in */pom.xml; do
  [ -f "$pom" ] || continue
  name=${pom%/pom.xml}
  jar=$(ls "$name"/target/*.jar 2>/dev/null | head -n 1 || true)
  if [ -z "$jar" ] || [ -n "$(find "$name/pom.xml" "$name/src" -newer "$jar" -print -quit)" ]; then
    log=$(mktemp)
    if ! (cd "$name" && mvn -q -B package -DskipTests) >"$log" 2>&1; then
      tail -n 30 "$log" >&2
      echo " ✗ examples/$name: mvn package failed" >&2
      exit 1
    fi
    rm -f "$log"
    jar=$(ls "$name"/target/*.jar | head -n 1)
    echo " ✓ examples/$name: mvn package ($(basename "$jar"))"
  else
    echo " ✓ examples/$name: $(basename "$jar") up to date"
  fi
  cds="$name/target/cds"
  if [ ! -f "$cds/app.jsa" ] || [ "$jar" -nt "$cds/app.jsa" ]; then
    rm -rf "$cds"
    if java -Djarmode=tools -jar "$jar" extract --destination "$cds/app" >/dev/null 2>&1 &&
      java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:ArchiveClassesAtExit="$cds/app.jsa" \
        -Dspring.context.exit=onRefresh -jar "$cds/app/$(basename "$jar")" >/dev/null 2>&1; then
      echo " ✓ examples/$name: class data sharing archive"
    else
      rm -rf "$cds"
      echo " ✗ examples/$name: the class data sharing archive could not be made" >&2
      exit 1
    fi
  fi
done
