package quarry.registry;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import java.util.List;
import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.inject.Produces;

/**
 * Supplies the bean that apicurio-common-app-components-config-index-deployment
 * (not on Maven Central) would generate at build time: the list of dynamically
 * changeable properties, empty here (the tests change none).
 */
@ApplicationScoped
public class PropertyListProducer {
    @Produces
    @ApplicationScoped
    DynamicConfigPropertyList dynamicConfigPropertyList() {
        return new DynamicConfigPropertyList(List.of());
    }
}
