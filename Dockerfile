# Multi-stage build: compile in the Rust image, run from a slim Debian image.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin newsgraph

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 newsgraph
COPY --from=build /src/target/release/newsgraph /usr/local/bin/newsgraph
USER newsgraph
WORKDIR /home/newsgraph
ENV NEWSGRAPH_BIND=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/newsgraph"]
CMD ["serve"]
