package com.example.sessiondemo.orders;

/** The value stored per order id in {@code orders:applied:<username>} (JSON). */
public record AppliedOrder(String orderId, String item, int quantity, long appliedAt, String instance) {}
