#!/usr/bin/env bash
# distillery main script
