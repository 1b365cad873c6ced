#!/usr/bin/env node
// SPDX-License-Identifier: MIT
import "../dist/cli.js";
