package com.example.sessiondemo.orders;

/** Applies orders at most once and records them in {@code orders:applied:<username>}. */
public interface OrderLedger {

  OrderOutcome apply(String username, Order order);

  static String appliedKey(String username) {
    return "orders:applied:" + username;
  }

  static String dedupeKey(String orderId) {
    return "orders:dedupe:" + orderId;
  }
}
