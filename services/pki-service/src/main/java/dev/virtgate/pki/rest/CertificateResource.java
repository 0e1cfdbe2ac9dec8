package dev.virtgate.pki.rest;

import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.pki.service.CaChains;
import dev.virtgate.pki.service.IssuanceService;
import dev.virtgate.pki.service.RevocationService;
import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditRecorder;
import dev.virtgate.support.audit.AuditedAction;
import dev.virtgate.support.error.InvalidInputException;
import dev.virtgate.support.error.NotFoundException;
import io.quarkus.panache.common.Parameters;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

@Path("/v1/certificates")
@Produces(MediaType.APPLICATION_JSON)
public class CertificateResource {

    @Inject
    IssuanceService issuance;

    @Inject
    RevocationService revocation;

    @Inject
    CaChains chains;

    @Inject
    AuditRecorder audit;

    @Inject
    SecurityIdentity identity;

    /** Issues for a registered host; needs an operator AND a proof made with the host's own unused token. */
    @POST
    @RolesAllowed("operator")
    @APIResponse(responseCode = "201", description = "Issued")
    @APIResponse(responseCode = "403", description = "The enrollment proof is missing, not valid, expired or used, "
            + "or the host is decommissioned")
    @APIResponse(responseCode = "404", description = "The host is not registered")
    @APIResponse(responseCode = "422", description = "The CSR names what the host's registration does not, or its "
            + "key or signature is not acceptable")
    @APIResponse(responseCode = "503", description = "OpenBao Transit or the CA unavailable; nothing was issued")
    public Response issue(@Valid @NotNull IssueRequest request) {
        IssuedCertificate issued = issuance.issueWithProof(request.hostId(), request.csrPem(),
                request.enrollmentProof());
        return Response.status(201).entity(view(issued)).build();
    }

    @GET
    @RolesAllowed({"viewer", "operator"})
    public List<CertificateView> list(@QueryParam("hostId") String hostId, @QueryParam("serial") String serial,
            @QueryParam("expiringWithin") String expiringWithin) {
        StringBuilder query = new StringBuilder("1 = 1");
        Parameters params = new Parameters();
        if (hostId != null && !hostId.isBlank()) {
            query.append(" and hostId = :hostId");
            params.and("hostId", hostId);
        }
        if (serial != null && !serial.isBlank()) {
            query.append(" and serial = :serial");
            params.and("serial", serial.toLowerCase(Locale.ROOT));
        }
        if (expiringWithin != null && !expiringWithin.isBlank()) {
            Duration window;
            try {
                window = Duration.parse(expiringWithin.replaceFirst("^P(\\d+)D$", "P$1DT0S"));
            } catch (DateTimeParseException e) {
                throw InvalidInputException.malformed("expiringWithin", "not an ISO-8601 duration such as P7D");
            }
            if (window.isNegative()) {
                throw InvalidInputException.malformed("expiringWithin", "must not be negative");
            }
            Instant now = Instant.now();
            query.append(" and revokedAt is null and notAfter > :now and notAfter <= :until");
            params.and("now", now).and("until", now.plus(window));
        }
        List<CertificateView> views = new ArrayList<>();
        for (IssuedCertificate c : IssuedCertificate.<IssuedCertificate>list(query + " order by notAfter", params)) {
            views.add(view(c));
        }
        return views;
    }

    @GET
    @Path("{serial}")
    @RolesAllowed({"viewer", "operator"})
    public CertificateView get(@PathParam("serial") String serial) {
        IssuedCertificate cert = IssuedCertificate.findById(serial.toLowerCase(Locale.ROOT));
        if (cert == null) {
            throw new NotFoundException("certificate " + serial + " not found");
        }
        return view(cert);
    }

    @POST
    @Path("{serial}/revoke")
    @RolesAllowed("operator")
    @AuditedAction(value = AuditActions.CERTIFICATE_REVOKE, target = "serial")
    @APIResponse(responseCode = "200", description = "Revoked")
    @APIResponse(responseCode = "409", description = "Already revoked")
    @APIResponse(responseCode = "503", description = "OpenBao Transit unavailable; nothing was revoked")
    public CertificateView revoke(@PathParam("serial") String serial, @Valid @NotNull RevokeRequest request) {
        String normalized = serial.toLowerCase(Locale.ROOT);
        // read first so that a refused revocation is found by its host too
        IssuedCertificate known = IssuedCertificate.findById(normalized);
        return view(audit.attempt(RevocationService.auditEntry(known, normalized, request.reason()),
                () -> revocation.revoke(normalized, request.reason(), identity.getPrincipal().getName())));
    }

    private CertificateView view(IssuedCertificate c) {
        CaCertificate issuer = CaCertificate.findById(c.caId);
        return CertificateView.of(c, chains.chain(issuer), chains.bundle());
    }
}
