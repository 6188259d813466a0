#include "app/app.h"
namespace reelsync::app {
int run_bench(const BenchOptions&) { print_error("bench: not built yet"); return 1; }
}
