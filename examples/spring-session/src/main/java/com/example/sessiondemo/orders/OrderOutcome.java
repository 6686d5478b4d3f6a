package com.example.sessiondemo.orders;

public enum OrderOutcome {
  /** First time this order id was seen: the order was applied now. */
  APPLIED,
  /** The order id was applied before (by any instance): nothing was done. */
  ALREADY_APPLIED
}
