// Example model of "your own code": two clerks sell from one shared stock.
// The buggy version checks, then acts; the fixed one holds a mutex across both.
#pragma once

#include "models/std_env.hpp"

namespace shop {

using interleave::Mutex;
using interleave::ScopedLock;
using interleave::Shared;

template <class Env>
void sell_last_item(Env& env, bool with_lock) {
  Shared<Env, int> stock(env, "stock", 1);
  Shared<Env, int> sold(env, "sold", 0);
  Mutex<Env> m(env, "stock_lock");

  auto clerk = [&] {
    auto sell = [&] {
      if (stock.load() > 0) {  // check ...
        stock.store(stock.load() - 1);  // ... then act
        sold.store(sold.load() + 1);
      }
    };
    if (with_lock) {
      ScopedLock<Mutex<Env>> hold(m);
      sell();
    } else {
      sell();
    }
  };
  auto a = env.spawn("clerk_a", clerk);
  auto b = env.spawn("clerk_b", clerk);
  a.join();
  b.join();
  env.check(sold.load() <= 1, "never sell more than we had");
  env.check(stock.load() >= 0, "stock never negative");
}

}  // namespace shop
