// Bad input from the user (a trace, a parameter, a name): reported as one line, exit code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace interleave {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace interleave
