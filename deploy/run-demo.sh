#!/usr/bin/env bash
# The run command: builds restage, then starts the embedded stack, the demo data and the five services.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests install
exec java -cp "deploy/launcher/target/classes:$(cat deploy/launcher/target/launcher.classpath)" io.restage.launcher.DemoMain
