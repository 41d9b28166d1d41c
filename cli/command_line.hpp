// The interleave command line as a library: a program of your own runs it over the built-in
// models and yours.
//
//   #include "cli/command_line.hpp"
//   #include "models/registry.hpp"
//
//   int main(int argc, char** argv) {
//     interleave::add_model(my_model());  // a ModelInfo: name, variants, params, bind
//     return interleave::run_command_line(argc, argv);
//   }
//
// Every subcommand then knows your models: explore, replay of their traces, export, native,
// simulate, list and (in a ThreadSanitizer build of your program) crosscheck. The commands it
// prints to reproduce a finding name your program (argv[0]'s file name).
#pragma once

namespace interleave {

/// Parses `argv` and runs the subcommand; returns the exit code (0 nothing found, 1 a bug found,
/// 2 bad usage or input).
int run_command_line(int argc, char** argv);

}  // namespace interleave
