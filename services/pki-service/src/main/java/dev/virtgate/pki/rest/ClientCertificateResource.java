package dev.virtgate.pki.rest;

import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.pki.service.CaChains;
import dev.virtgate.pki.service.ClientCertificateService;
import dev.virtgate.support.error.InvalidInputException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * mTLS client certificates for API users, role in a {@code urn:virtgate:role:*} URI SAN. Listed,
 * fetched and revoked through /v1/certificates like host certificates (hostId {@code client:<name>}).
 */
@Path("/v1/client-certificates")
@Produces(MediaType.APPLICATION_JSON)
public class ClientCertificateResource {

    @Inject
    ClientCertificateService clients;

    @Inject
    CaChains chains;

    @POST
    @RolesAllowed("operator")
    @APIResponse(responseCode = "201", description = "Issued")
    @APIResponse(responseCode = "422", description = "validity longer than allowed, or the CSR names another identity")
    @APIResponse(responseCode = "503", description = "OpenBao Transit or the CA unavailable; nothing was issued")
    public Response issue(ClientCertificateRequest request) {
        if (request == null) {
            throw InvalidInputException.malformed("body", "missing");
        }
        IssuedCertificate issued = clients.issue(request.name(), request.role(), request.csrPem(), request.validity());
        CaCertificate issuer = CaCertificate.findById(issued.caId);
        return Response.status(201).entity(CertificateView.of(issued, chains.chain(issuer), chains.bundle())).build();
    }
}
