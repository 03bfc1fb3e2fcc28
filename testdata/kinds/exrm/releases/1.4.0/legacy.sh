#!/bin/sh
GENERATED_CONFIG_DIR="$RELEASE_ROOT_DIR/running-config"
relx_nodetool() { :; }
