// Package mmap maps model files into memory read-only, for the onnx and
// safetensors loaders, where the OS has memory maps (the unix build
// constraint: Linux, the BSDs, macOS, Solaris, AIX, ...). Elsewhere (Windows,
// js/wasm, wasip1, Plan 9) Map maps nothing and the loaders read the file.
//
// Mappings are PROT_READ and MAP_PRIVATE: nothing in gorn writes to a model
// file, and a private read-only mapping shares the kernel's page cache just
// as a shared one does. As with any memory map, a file truncated while it is
// mapped makes reads of the lost pages fault (SIGBUS); callers that must
// survive that use runtime/debug.SetPanicOnFault.
package mmap
