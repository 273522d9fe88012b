'use strict';
// The addon's Cap class is an EventEmitter ('packet' events), as in cap 0.2.1.
const { EventEmitter } = require('events');

const addon = require('../build/Release/netsentinel_pcap.node');

Object.setPrototypeOf(addon.Cap.prototype, EventEmitter.prototype);
addon.Cap.findDevice = addon.findDevice;
addon.Cap.deviceList = addon.deviceList;

module.exports = addon;
