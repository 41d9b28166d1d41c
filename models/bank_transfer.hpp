// Two tellers move money between two accounts. Check-then-act without a lock creates or loses
// money; one lock around each transfer keeps the total.
#pragma once

#include <cstdint>

#include "models/std_env.hpp"

namespace interleave {

struct BankConfig {
  bool locked = false;
  int64_t balance = 100;  // each account's opening balance
  int64_t amount = 60;    // each transfer
};

template <class Env>
void bank_transfer(Env& env, const BankConfig& c) {
  SharedArray<Env, int64_t> accounts(env, "balance", 2, c.balance);
  Mutex<Env> bank(env, "bank");
  auto transfer = [&](uint32_t from, uint32_t to) {
    if (c.locked) bank.lock();
    if (accounts[from].load() >= c.amount) {                   // check ...
      accounts[from].store(accounts[from].load() - c.amount);  // ... then act
      accounts[to].store(accounts[to].load() + c.amount);
    }
    if (c.locked) bank.unlock();
  };
  auto a = env.spawn("teller_a", [&] { transfer(0, 1); });
  auto b = env.spawn("teller_b", [&] { transfer(0, 1); });
  auto r = env.spawn("teller_c", [&] { transfer(1, 0); });
  a.join();
  b.join();
  r.join();
  const int64_t total = accounts[0].load() + accounts[1].load();
  env.check(total == 2 * c.balance, "money is neither created nor lost");
  env.check(accounts[0].load() >= 0 && accounts[1].load() >= 0, "no balance goes negative");
}

}  // namespace interleave
