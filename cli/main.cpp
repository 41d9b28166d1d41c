// interleave: the command line over the built-in models.
#include "cli/command_line.hpp"

int main(int argc, char** argv) {
  return interleave::run_command_line(argc, argv);
}
