package com.example.sessiondemo.orders;

import com.example.sessiondemo.AppProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.springframework.context.annotation.Profile;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Service;

/** Dedupe with SET NX on {@code orders:dedupe:<orderId>} and record the order, in one script. */
@Service
@Profile("!double-apply")
public class RedisOrderLedger implements OrderLedger {

  private final StringRedisTemplate redis;
  private final ObjectMapper json;
  private final RedisScript<Long> applyScript =
      RedisScript.of(new ClassPathResource("scripts/order-apply.lua"), Long.class);
  private final String instanceId;
  private final long dedupeTtlSeconds;

  public RedisOrderLedger(StringRedisTemplate redis, ObjectMapper json, AppProperties properties) {
    this.redis = redis;
    this.json = json;
    this.instanceId = properties.instanceId();
    this.dedupeTtlSeconds = properties.orders().dedupeTtl().toSeconds();
  }

  @Override
  public OrderOutcome apply(String username, Order order) {
    Long applied = redis.execute(
        applyScript,
        List.of(OrderLedger.dedupeKey(order.orderId()), OrderLedger.appliedKey(username)),
        username,
        String.valueOf(dedupeTtlSeconds),
        order.orderId(),
        toJson(order));
    return applied != null && applied == 1 ? OrderOutcome.APPLIED : OrderOutcome.ALREADY_APPLIED;
  }

  private String toJson(Order order) {
    try {
      return json.writeValueAsString(new AppliedOrder(
          order.orderId(), order.item(), order.quantity(), System.currentTimeMillis(), instanceId));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
