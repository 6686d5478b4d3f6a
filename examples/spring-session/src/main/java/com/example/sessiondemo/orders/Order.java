package com.example.sessiondemo.orders;

/** An order as the client sent it; {@code orderId} is the client's idempotency key. */
public record Order(String orderId, String item, int quantity) {}
