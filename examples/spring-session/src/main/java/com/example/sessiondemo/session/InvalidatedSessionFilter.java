package com.example.sessiondemo.session;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.session.web.http.SessionRepositoryFilter;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A request that loaded its session before a concurrent logout deleted it: RedisSessionRepository refuses to save
 * the session back and throws {@code IllegalStateException("Session was invalidated")} (spring-session#1277, #2893).
 * SessionRepositoryFilter saves when the response is committed and again when the chain returns, so the exception
 * surfaces either before anything was sent (Spring would answer 500) or after the response went out (Tomcat would
 * then close the connection at once, cutting a chunked body off: the client sees an unexpected EOF).
 *
 * <p>This filter runs just outside SessionRepositoryFilter and answers the first case with the 401 the request would
 * have got a moment later, and drops the second: the response is complete and the session is already gone, so
 * there is nothing left to save.
 */
@Component
@Order(SessionRepositoryFilter.DEFAULT_ORDER - 1)
public class InvalidatedSessionFilter extends OncePerRequestFilter {

  /** The message of RedisSessionRepository.save's exception; the exception type alone is too broad. */
  static final String INVALIDATED = "Session was invalidated";

  private static final Logger log = LoggerFactory.getLogger(InvalidatedSessionFilter.class);

  private static final byte[] BODY = "{\"error\":\"unauthenticated\"}".getBytes(StandardCharsets.UTF_8);

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      chain.doFilter(request, response);
    } catch (IllegalStateException | ServletException e) {
      if (!invalidated(e)) {
        throw e;
      }
      log.debug("{} {}: its session was invalidated by a concurrent request", request.getMethod(),
          request.getRequestURI());
      if (response.isCommitted()) {
        return;
      }
      response.resetBuffer(); // keeps the headers set so far (X-Instance-Id)
      response.setStatus(HttpStatus.UNAUTHORIZED.value());
      response.setContentType(MediaType.APPLICATION_JSON_VALUE);
      response.setContentLength(BODY.length);
      response.getOutputStream().write(BODY);
    }
  }

  private static boolean invalidated(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IllegalStateException && INVALIDATED.equals(t.getMessage())) {
        return true;
      }
    }
    return false;
  }
}
