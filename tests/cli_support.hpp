// Runs the interleave binary (or a program of ours) for tests: stdout, stderr and the exit code.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace interleave::testing {

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;

  nlohmann::json json() const { return nlohmann::json::parse(out); }
  /// stderr's lines, for the "exactly one line" rule of bad input.
  int err_lines() const {
    int n = 0;
    for (char c : err) n += c == '\n';
    return n;
  }
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A fresh scratch directory per test process, removed when the process exits.
inline std::filesystem::path scratch_dir() {
  struct Dir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("interleave-test-" + std::to_string(::getpid()));
    Dir() { std::filesystem::create_directories(path); }
    ~Dir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Dir dir;
  return dir.path;
}

/// A file's path in the scratch directory.
inline std::string path_in_scratch(const std::string& name) {
  return (scratch_dir() / name).string();
}

/// Runs `binary <args>` (args are passed through the shell: quote them yourself).
inline CliResult run_program(const std::string& binary, const std::string& args) {
  static int counter = 0;
  const auto base = scratch_dir() / ("run" + std::to_string(++counter));
  const std::string out = base.string() + ".out";
  const std::string err = base.string() + ".err";
  const std::string cmd = binary + " " + args + " >" + out + " 2>" + err + " </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

/// Runs `interleave <args>`.
inline CliResult run_cli(const std::string& args) {
  return run_program(INTERLEAVE_BINARY, args);
}

}  // namespace interleave::testing
