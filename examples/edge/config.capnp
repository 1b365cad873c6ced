# SPDX-License-Identifier: MIT
# hyperreg at the edge: workerd serves POST /solve on 127.0.0.1:8787 (see README.md here).
# Run from the package root after `npm run build`:  npx workerd serve examples/edge/config.capnp
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "hyperreg", worker = .solver)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "hyperreg")],
);

const solver :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    # The library bundle under the name the script imports, as a bundler would resolve it.
    (name = "hyperreg", esModule = embed "../../dist/hyperreg.js"),
    # workerd does not compile WebAssembly from bytes at run time: the kernels come as a
    # compiled module instead (useKernelModule in worker.js).
    (name = "hyperreg/kernels.wasm", wasm = embed "../../dist/kernels.wasm"),
  ],
  compatibilityDate = "2025-09-01",
);
