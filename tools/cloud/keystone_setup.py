# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Register the cloud's identities in a bootstrapped Keystone (idempotent).

Creates what is missing and leaves what exists: the ``service`` project with
the ``glance`` and ``cinder`` service users, the image and block-storage
services with their endpoints, two projects (``alpha``, ``beta``) each with a
member user (``alpha-member``, ``beta-member``), and the registered limits
Glance's unified limits read.  Prints shell assignments (the Glance
endpoint's id) for the caller to source.
"""

import argparse
import os

import openstack

DOMAIN = 'default'
REGION = 'RegionOne'
# MiB for sizes, as Glance counts them; generous defaults that a scenario
# lowers with a project limit when it wants a refusal.
GLANCE_LIMITS = {
    'image_size_total': 100000,
    'image_stage_total': 100000,
    'image_count_total': 1000,
    'image_count_uploading': 100,
}


def ensure_role(conn, name):
    return (conn.identity.find_role(name)
            or conn.identity.create_role(name=name))


def ensure_project(conn, name):
    return (conn.identity.find_project(name, domain_id=DOMAIN)
            or conn.identity.create_project(name=name, domain_id=DOMAIN))


def ensure_user(conn, name, password, project):
    user = conn.identity.find_user(name, domain_id=DOMAIN)
    if user is None:
        user = conn.identity.create_user(name=name, password=password,
                                         domain_id=DOMAIN,
                                         default_project_id=project.id)
    return user


def ensure_service(conn, name, type_, urls):
    service = conn.identity.find_service(name)
    if service is None:
        service = conn.identity.create_service(name=name, type=type_)
    existing = {e.interface for e in conn.identity.endpoints(
        service_id=service.id)}
    for interface in ('public', 'internal', 'admin'):
        if interface not in existing:
            conn.identity.create_endpoint(service_id=service.id,
                                          interface=interface,
                                          url=urls, region_id=REGION)
    return service


def ensure_limits(conn, service):
    have = {r.resource_name for r in conn.identity.registered_limits(
        service_id=service.id)}
    for resource, default in GLANCE_LIMITS.items():
        if resource not in have:
            conn.identity.create_registered_limit(
                service_id=service.id, resource_name=resource,
                default_limit=default, region_id=REGION)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--clouds', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--host', required=True)
    parser.add_argument('--glance-port', type=int, required=True)
    parser.add_argument('--cinder-port', type=int, required=True)
    args = parser.parse_args()

    os.environ['OS_CLIENT_CONFIG_FILE'] = args.clouds
    conn = openstack.connect(cloud='cloud-admin')
    admin, member, reader = (ensure_role(conn, n)
                             for n in ('admin', 'member', 'reader'))
    service_role = ensure_role(conn, 'service')

    service_project = ensure_project(conn, 'service')
    for name in ('glance', 'cinder'):
        user = ensure_user(conn, name, args.password, service_project)
        for role in (admin, service_role):
            conn.identity.assign_project_role_to_user(service_project, user,
                                                      role)
        # Glance's oslo.limit reads limits with a system-scoped token.
        conn.identity.assign_system_role_to_user(user, reader, 'all')

    for name in ('alpha', 'beta'):
        project = ensure_project(conn, name)
        user = ensure_user(conn, name + '-member', args.password, project)
        conn.identity.assign_project_role_to_user(project, user, member)
        conn.identity.assign_project_role_to_user(project, user, reader)

    glance = ensure_service(conn, 'glance', 'image', 'http://%s:%d' % (
        args.host, args.glance_port))
    ensure_service(conn, 'cinderv3', 'volumev3', 'http://%s:%d/v3' % (
        args.host, args.cinder_port))
    ensure_service(conn, 'cinder', 'block-storage', 'http://%s:%d/v3' % (
        args.host, args.cinder_port))
    ensure_limits(conn, glance)

    endpoint = next(e for e in conn.identity.endpoints(service_id=glance.id)
                    if e.interface == 'public')
    print('GLANCE_ENDPOINT_ID=%s' % endpoint.id)


if __name__ == '__main__':
    main()
