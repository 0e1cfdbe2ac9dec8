package dev.virtgate.pki.rest;

import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.repository.CrlRecord;
import dev.virtgate.pki.service.CaChains;
import dev.virtgate.pki.service.CaRotation;
import dev.virtgate.pki.service.CrlService;
import dev.virtgate.pki.service.IntermediateCaImport;
import dev.virtgate.pki.service.RenewalService;
import dev.virtgate.support.error.NotFoundException;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** The CA certificate, bundle and CRL (public, like any CA's), plus operator CA management. */
@Path("/v1")
public class CaResource {
    static final String PEM = "application/x-pem-file";
    static final String PKIX_CRL = "application/pkix-crl";

    @Inject
    CaChains chains;

    @Inject
    IntermediateCaImport intermediate;

    @Inject
    CaRotation rotation;

    @Inject
    CrlService crls;

    @Inject
    RenewalService renewal;

    /** The CA that signs new certificates (with its chain in intermediate mode), PEM. */
    @GET
    @Path("ca")
    @PermitAll
    @Produces({PEM, MediaType.TEXT_PLAIN})
    @APIResponse(responseCode = "200", description = "The CA certificate (and chain), PEM")
    @APIResponse(responseCode = "404", description = "No CA certificate yet")
    public Response current() {
        CaCertificate current = CaCertificate.current()
                .orElseThrow(() -> new NotFoundException("no CA certificate yet"));
        String pem = current.certificatePem + (current.chainPem == null ? "" : current.chainPem);
        return Response.ok(pem, PEM).build();
    }

    /** Every CA hosts must trust now: old and new during a rotation. */
    @GET
    @Path("ca/bundle")
    @PermitAll
    public Response bundle() {
        return Response.ok(String.join("", chains.bundle()), PEM).build();
    }

    @GET
    @Path("ca/certificates")
    @RolesAllowed({"viewer", "operator"})
    @Produces(MediaType.APPLICATION_JSON)
    public List<CaView> cas() {
        return CaCertificate.<CaCertificate>listAll().stream().map(CaView::of).toList();
    }

    /** Intermediate mode: the CSR to sign offline. */
    @GET
    @Path("ca/csr")
    @RolesAllowed("operator")
    @APIResponse(responseCode = "200", description = "The CSR, PEM")
    @APIResponse(responseCode = "404", description = "No intermediate CSR pending")
    public Response csr() {
        CaCertificate pending = CaCertificate.pending()
                .orElseThrow(() -> new NotFoundException("no intermediate CSR pending"));
        return Response.ok(pending.csrPem, PEM).build();
    }

    @POST
    @Path("ca/certificate")
    @RolesAllowed("operator")
    @Produces(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "200", description = "Imported")
    @APIResponse(responseCode = "409", description = "Not in intermediate mode, or no CSR waiting")
    @APIResponse(responseCode = "422", description = "Not for the Transit CA key, not a CA, or not signed by the chain")
    public CaView importIntermediate(@Valid @NotNull ImportCaRequest request) {
        return CaView.of(intermediate.importIntermediate(request.certificatePem(), request.chainPem()));
    }

    /** New Transit key version and CA certificate; live leaves are asked to renew under it. */
    @POST
    @Path("ca/rotate")
    @RolesAllowed("operator")
    @Produces(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "201", description = "The new CA")
    @APIResponse(responseCode = "409", description = "Not possible in intermediate mode")
    @APIResponse(responseCode = "503", description = "OpenBao Transit or the CA unavailable; nothing changed")
    public Response rotate() {
        CaCertificate next = rotation.rotate();
        renewal.requestReissueUnder(next);
        return Response.status(201).entity(CaView.of(next)).build();
    }

    /** The current CA's CRL (or the one of CA {@code caId}): PEM by default, DER for application/pkix-crl. */
    @GET
    @Path("crl")
    @PermitAll
    @APIResponse(responseCode = "200", description = "The CRL: PEM, or DER for Accept: application/pkix-crl")
    @APIResponse(responseCode = "404", description = "No CA certificate yet, or no CA caId")
    public Response crl(@HeaderParam("Accept") String accept, @QueryParam("caId") Long caId) {
        CaCertificate issuer = caId == null
                ? CaCertificate.current().orElseThrow(() -> new NotFoundException("no CA certificate yet"))
                : CaCertificate.<CaCertificate>findByIdOptional(caId)
                        .orElseThrow(() -> new NotFoundException("CA " + caId + " not found"));
        CrlRecord record = crls.crl(issuer);
        if (accept != null && accept.contains(PKIX_CRL)) {
            try {
                return Response.ok(Pem.crl(record.crlPem).getEncoded(), PKIX_CRL).build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Response.ok(record.crlPem, PEM).build();
    }
}
