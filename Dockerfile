# The release image: the static launchgate binary and a CA bundle on scratch, nothing else. It is
# built by goreleaser (dockers_v2 in .goreleaser.yaml), which builds the binary first and puts it
# in the build context as <os>/<arch>/launchgate, one directory per platform; this file only
# copies it. No shell, no package manager, no git: `launchgate serve` and the live checks need
# none of them (a secrets scan of a repository's history needs git: run that one elsewhere).

# Only the CA bundle is taken from here, so the stage runs on the build machine's platform.
FROM --platform=$BUILDPLATFORM alpine:3.22 AS certs

FROM scratch
ARG TARGETPLATFORM
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY $TARGETPLATFORM/launchgate /launchgate
# Numeric, so that Kubernetes can check runAsNonRoot without a passwd file in the image.
USER 65532:65532
EXPOSE 9469
ENTRYPOINT ["/launchgate"]
# Serve the checklist mounted at /etc/launchgate; `docker run IMAGE run …` runs one gate instead.
CMD ["serve", "/etc/launchgate/launchgate.yaml", "--listen", ":9469"]
